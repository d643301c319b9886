from django.urls import path

from portal.accounts import auth_log, otp_views, views

urlpatterns = [
    path("tokens/", views.TokenListView.as_view(), name="token_list"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
    path("otp/setup/", otp_views.OTPSetupView.as_view(), name="otp_setup"),
    path("otp/verify/", otp_views.OTPVerifyView.as_view(), name="otp_verify"),
    path("security/", otp_views.OTPSecurityView.as_view(), name="otp_security"),
    path("auth-events/", auth_log.AuthEventListView.as_view(), name="authevent_list"),
]
