"""Sign-up, profile and the auth pages (Django's own views with our templates)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from hunt.accounts.forms import SignUpForm
from hunt.accounts.services import user_sign_up
from hunt.core.throttling import scope_allowed

# Per client address (hunt.core.client.client_ip); settings: DEFAULT_THROTTLE_RATES["signup"].
SIGN_UP_SCOPE = "signup"


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and not scope_allowed(request, SIGN_UP_SCOPE):
        form.add_error(None, "Too many sign-ups from here: please try again in a while.")
        return render(request, "accounts/sign_up.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        user_sign_up(
            request=request,
            username=form.cleaned_data["username"],
            email=form.cleaned_data.get("email", ""),
            password=form.cleaned_data["password1"],
        )
        messages.success(request, "Welcome to Cluster Hunt! Anything you classified is kept.")
        return redirect("core:home")
    return render(request, "accounts/sign_up.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html")
