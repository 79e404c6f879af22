"""allauth adapter: allauth's own emails (verification, password reset) go through the outbox."""

from __future__ import annotations

import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.html import strip_tags

from notifications.services import RenderedEmail, queue_rendered_email

# What allauth puts in the context of an email that signs someone in or sets their password: the link
# (confirmation, reset) and the bare key or code, which a template may also show on its own.
CREDENTIAL_CONTEXT_KEYS = ("activate_url", "password_reset_url", "key", "code")


def credentials_in(context: dict) -> list[str]:
    """The values of an allauth email's context that act for the recipient, to keep out of the outbox."""
    credentials = [
        value for name in CREDENTIAL_CONTEXT_KEYS if isinstance(value := context.get(name), str) and value
    ]
    # A reset link carries "<uid>-<key>"; the uid alone is only the user's id, far too short to mask.
    if context.get("uid") and context.get("key"):
        credentials.append(f"{context['uid']}-{context['key']}")
    return credentials


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        user = get_user_model().objects.filter(email__iexact=email).first()
        language = getattr(user, "preferred_language", None) or translation.get_language() or "en"
        with translation.override(language):
            message = self.render_mail(
                template_prefix, email, {"email": email, **context, **self._site_context()}
            )
        if message.content_subtype == "html":
            # The text part is made from the HTML here; queue_rendered_email masks the credentials in both.
            html, text = message.body, strip_tags(message.body)
        else:
            alternatives = getattr(message, "alternatives", [])
            html = next((content for content, mimetype in alternatives if mimetype == "text/html"), "")
            text = message.body
        # Each allauth email is its own event; its content (with its one-time key) names it.
        digest = hashlib.sha256(f"{email}\n{message.subject}\n{message.body}".encode()).hexdigest()[:40]
        queue_rendered_email(
            to_email=email,
            rendered=RenderedEmail(subject=message.subject, text=text, html=html),
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{digest}",
            template=template_prefix,
            user=user,
            language=language,
            secrets=credentials_in(context),
        )

    def _site_context(self) -> dict:
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        return {"request": request, "current_site": get_current_site(request)}

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "")
        user.preferred_language = translation.get_language() or user.preferred_language
        if commit:
            user.save()
        return user
