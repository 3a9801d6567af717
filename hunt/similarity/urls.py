from django.urls import path

from hunt.similarity import views

app_name = "similarity"

urlpatterns = [
    path("science/latent/", views.latent, name="latent"),
]
