"""Cart, checkout, orders, invoices and subscriptions (included in the `payments` namespace by
payments/urls.py)."""

from django.urls import path

from payments.commerce import views

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout, name="checkout"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("sandbox/<uuid:reference>/", views.sandbox_checkout, name="sandbox_checkout"),
    path("orders/<uuid:reference>/", views.order_detail, name="order_detail"),
    path("orders/<uuid:reference>/pay/", views.order_pay, name="order_pay"),
    path("orders/<uuid:reference>/return/", views.order_return, name="order_return"),
    path("orders/<uuid:reference>/return/razorpay/", views.razorpay_callback, name="razorpay_callback"),
    path("orders/<uuid:reference>/invoice.pdf", views.order_invoice, name="order_invoice"),
    path("history/", views.history, name="history"),
    path("subscription/", views.subscription, name="subscription"),
    path("subscription/cancel/", views.subscription_cancel_view, name="subscription_cancel"),
    path("subscription/payment-method/", views.subscription_payment_method, name="subscription_payment_method"),
    path("sandbox/payment-method/", views.sandbox_payment_method, name="sandbox_payment_method"),
    path(
        "subscription/courses/<int:course_id>/start/",
        views.subscription_course_start_view,
        name="subscription_course_start",
    ),
]
