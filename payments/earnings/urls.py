from django.urls import path

from payments.earnings import views as earnings_views

app_name = "earnings"

urlpatterns = [
    path("", earnings_views.dashboard, name="dashboard"),
    path("payouts/request/", earnings_views.request_payout, name="request_payout"),
    path("bank-details/", earnings_views.bank_details, name="bank_details"),
]
