"""API routes of this app, included under /api/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
