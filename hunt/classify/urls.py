from django.urls import path

from hunt.classify import views

app_name = "classify"

urlpatterns = [
    path("classify/", views.classify, name="classify"),
    path("classify/mine/", views.my_classifications, name="mine"),
    path("science/volunteers/", views.volunteer_skills, name="volunteer_skills"),
]
