"""django-axes counts failures per account by the email typed, lower-cased like the login form
does, so 'Sam@…' and 'sam@…' are one account."""


def username_from_request(request, credentials):
    name = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(name).strip().lower()[:254]
