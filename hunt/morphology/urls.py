from django.urls import path

from hunt.morphology import views

app_name = "morphology"

urlpatterns = [
    path("science/morphology/", views.science, name="science"),
]
