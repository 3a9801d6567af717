from django.urls import path

from hunt.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("science/", views.science, name="science"),
    path("operations/", views.operations, name="operations"),
]
