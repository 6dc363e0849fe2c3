from django.contrib.auth.forms import AuthenticationForm

from concertation.core.forms import DsfrFormMixin


class LoginForm(DsfrFormMixin, AuthenticationForm):
    pass
