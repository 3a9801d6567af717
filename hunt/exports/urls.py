from django.urls import path

from hunt.exports import views

app_name = "exports"

urlpatterns = [
    path("science/export/", views.export_page, name="export"),
]
