"""Serve single files from installed packages as static files (no CDN, no copy in the repository)."""

from importlib.resources import files
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# URL path under STATIC_URL → (package, file inside it)
PACKAGE_FILES = {"vendor/plotly.min.js": ("plotly", "package_data/plotly.min.js")}


class PackageFileFinder(BaseFinder):
    """Find the files in PACKAGE_FILES, for runserver, whitenoise and collectstatic alike."""

    def _path(self, name: str) -> Path:
        package, inside = PACKAGE_FILES[name]
        return Path(str(files(package).joinpath(inside)))

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path not in PACKAGE_FILES:
            return [] if find_all else None
        found = str(self._path(path))
        return [found] if find_all else found

    def list(self, ignore_patterns):
        for name in PACKAGE_FILES:
            directory, filename = name.rsplit("/", 1)
            storage = FileSystemStorage(location=str(self._path(name).parent))
            storage.prefix = directory
            yield filename, storage
