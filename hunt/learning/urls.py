from django.urls import path

from hunt.learning import views

app_name = "learning"

urlpatterns = [path("science/model/", views.training, name="training")]
