"""Refuse an upload that is too large before it costs memory or disk.

Django checks an uploaded file's size only after the whole body has arrived (and been written
to a temporary file). Here a multipart body is refused from its Content-Length before anything
is read (413), and a body that streams past the limit anyway (no length given, or a chunked
upload) is cut off by an upload handler as soon as it does: the view then finds
`request.upload_refused` set and says so on the form.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render


def too_large_message(limit: int) -> str:
    return (f"The upload is over {limit // (1024 * 1024)} MB, the limit: split the file into "
            "smaller ones.")


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in the body; past the limit, stops the upload."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_refused = too_large_message(self.limit)
            raise StopUpload(connection_reset=True)
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None  # the next handler makes the file


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.META.get("CONTENT_TYPE", "").startswith(
                "multipart/"):
            limit = settings.MAX_UPLOAD_BYTES
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return render(request, "upload_too_large.html",
                              {"message": too_large_message(limit)}, status=413)
            # Before the CSRF check reads the body (process_view), so it counts from the start.
            request.upload_handlers.insert(0, LimitedUploadHandler(request, limit))
        return self.get_response(request)
