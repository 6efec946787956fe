"""The 403, 404 and 500 pages: in the app's own look, each with a way back.

The 500 page is plain HTML with no database or template context (the error may be the database);
403 and 404 render inside the app's frame, so a signed-in user keeps the menu.
"""

from django.http import HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

ERRORS = {
    403: ("You can't open this page",
          "Your role does not include this page or action. If you need it, ask the practice "
          "owner to change your role."),
    404: ("Page not found",
          "The page may have moved, or the record was archived. Check the address, or go back "
          "and try again."),
}


def _back_url(request) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    return ""


def _render(request, code: int) -> str:
    title, text = ERRORS[code]
    return loader.render_to_string("_error.html", {
        "error_code": code, "error_title": title, "error_text": text,
        "back_url": _back_url(request),
    }, request)


@requires_csrf_token
def permission_denied(request, exception=None):
    return HttpResponseForbidden(_render(request, 403))


@requires_csrf_token
def page_not_found(request, exception=None):
    return HttpResponseNotFound(_render(request, 404))


@requires_csrf_token
def server_error(request):
    return HttpResponseServerError(loader.get_template("500.html").render())
