from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from hunt.accounts import views

app_name = "accounts"

# The spellings people type (and other sites use) lead to the real pages, query string (?next=) kept.
_ALIASES = {
    "login/": "accounts:login", "signin/": "accounts:login", "sign-in/": "accounts:login",
    "signup/": "accounts:sign_up", "register/": "accounts:sign_up",
}  # fmt: skip

urlpatterns = [
    *(
        path(alias, RedirectView.as_view(pattern_name=name, query_string=True, permanent=True))
        for alias, name in _ALIASES.items()
    ),
    path("sign-up/", views.sign_up, name="sign_up"),
    path(
        "log-in/",
        auth_views.LoginView.as_view(
            template_name="accounts/log_in.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("log-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
]
