"""Who is calling: a Bearer access JWT, or the site's session cookie with CSRF."""

from ninja.security import HttpBearer, django_auth

from accounts.tokens import access_token_user

from .ratelimit import rate_limit


class JWTAuth(HttpBearer):
    def authenticate(self, request, token):
        user = access_token_user(token)
        request.user = user
        rate_limit(scope="user", key=str(user.pk))
        return user


jwt_auth = JWTAuth()

# Endpoints that need a signed-in user accept either.
user_auth = [jwt_auth, django_auth]
