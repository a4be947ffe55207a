from django.urls import path

from . import views

app_name = "conversations"
urlpatterns = [
    path("conversations/", views.author_start, name="author"),
    path("conversations/open/", views.author_open, name="author_open"),
    path("conversations/mine/", views.author_page, name="mine"),
    path("conversations/mine/<uuid:thread_id>/reply/", views.author_reply, name="author_reply"),
    path("conversations/mine/<uuid:thread_id>/close/", views.author_close, name="author_close"),
    path("conversations/comment/<uuid:comment_id>/", views.thread_page, name="thread"),
    path("conversations/comment/<uuid:comment_id>/reply/", views.thread_reply, name="reply"),
    path("conversations/comment/<uuid:comment_id>/acknowledge/", views.thread_acknowledge, name="acknowledge"),
    path("conversations/comment/<uuid:comment_id>/close/", views.thread_close, name="close"),
    path("conversations/comment/<uuid:comment_id>/messages/<uuid:message_id>/hide/", views.message_hide, name="hide"),
]
