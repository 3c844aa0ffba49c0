from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker import sso
from tracker.forms import ChooseOwnPasswordForm
from tracker.sign_in_throttle import refuse_when_paused
from tracker.views.account import SignOutView

urlpatterns = [
    path("accounts/login/", refuse_when_paused(sso.SignInView.as_view()), name="login"),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    # Where a password reset link from the admin leads: the person chooses their own password.
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=ChooseOwnPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Single sign-on (tracker/sso.py): 404 unless it is set up.
    *sso.urlpatterns,
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
]
