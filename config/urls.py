from django.contrib import admin
from django.urls import include, path

from tracker import sso
from tracker.sign_in_throttle import refuse_when_paused
from tracker.views import account

urlpatterns = [
    path("accounts/login/", refuse_when_paused(sso.SignInView.as_view()), name="login"),
    path("accounts/logout/", account.SignOutView.as_view(), name="logout"),
    # Forgotten passwords (tracker/views/account.py), and where a reset link from an administrator leads too:
    # the person chooses their own password.
    path("accounts/password-reset/", account.ForgottenPasswordView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", account.ForgottenPasswordSentView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", account.NewPasswordView.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/", account.NewPasswordSetView.as_view(), name="password_reset_complete"),
    # Single sign-on (tracker/sso.py): 404 unless it is set up.
    *sso.urlpatterns,
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
]
