from django.urls import path

from hunt.collect import views

app_name = "collect"

urlpatterns = [path("collect/", views.index, name="index")]
