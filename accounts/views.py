from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import ProfileForm
from .privacy import user_account_delete, user_data_export
from .services import user_update_profile


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=request.user, **{name: form.cleaned_data[name] for name in form.changed_data})
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
def privacy(request):
    """Download my data; delete my account."""
    return render(request, "accounts/privacy.html")


@login_required
def privacy_export(request):
    data = user_data_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="lectern-my-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def privacy_delete(request):
    if not request.user.check_password(request.POST.get("password", "")):
        messages.error(request, "That password is not right; your account was not deleted.")
        return redirect("accounts:privacy")
    user_account_delete(user=request.user)
    logout(request)
    messages.success(request, "Your account was deleted. Records we must keep by law are no longer linked to you.")
    return redirect("/")
