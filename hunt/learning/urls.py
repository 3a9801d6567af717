from django.urls import path

from hunt.learning import views

app_name = "learning"

urlpatterns = [
    path("science/model/", views.training, name="training"),
    path("science/model/versions/<int:pk>/file/", views.model_file, name="model_file"),
]
