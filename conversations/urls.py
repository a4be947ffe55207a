from django.urls import path

from . import apis, views

app_name = "conversations"
urlpatterns = [
    path("conversations/", views.author_start, name="author"),
    path("conversations/open/", views.author_open, name="author_open"),
    path("conversations/mine/", views.author_page, name="mine"),
    # The thread goes in the form, not the address: a proxy's access log keeps addresses with the client's.
    path("conversations/mine/reply/", views.author_reply, name="author_reply"),
    path("conversations/mine/close/", views.author_close, name="author_close"),
    path("conversations/teams/<int:team_id>/comments.csv", views.comments_export, name="comments_export"),
    path("conversations/comment/<uuid:comment_id>/", views.thread_page, name="thread"),
    path("conversations/comment/<uuid:comment_id>/reply/", views.thread_reply, name="reply"),
    path("conversations/comment/<uuid:comment_id>/acknowledge/", views.thread_acknowledge, name="acknowledge"),
    path("conversations/comment/<uuid:comment_id>/close/", views.thread_close, name="close"),
    path("conversations/comment/<uuid:comment_id>/messages/<uuid:message_id>/hide/", views.message_hide, name="hide"),
    path("api/v1/teams/<int:team_id>/comments/", apis.TeamComments.as_view(), name="api_team_comments"),
]
