from django.urls import path

from hunt.talk import views

app_name = "talk"

urlpatterns = [path("talk/", views.index, name="index")]
