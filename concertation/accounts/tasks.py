from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string


@task
def send_login_link(email: str, url: str) -> None:
    context = {"url": url}
    message = EmailMultiAlternatives(
        subject="Votre lien de connexion",
        body=render_to_string("accounts/email/login_link.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[email],
    )
    message.attach_alternative(render_to_string("accounts/email/login_link.html", context),
                               "text/html")
    message.send()
