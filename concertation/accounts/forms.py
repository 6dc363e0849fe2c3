from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from concertation.core.forms import DsfrFormMixin


class BoundedUsernameMixin:
    """Django's sign-in form sets the username's `max_length` after the field's validators
    were built, so a username of any length reached `authenticate` and django-axes, whose
    failure row holds 255 characters (a 500 on PostgreSQL). The bound is enforced here, with
    Django's French message, before anything is counted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(BoundedUsernameMixin, DsfrFormMixin, AuthenticationForm):
    pass


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    pass
