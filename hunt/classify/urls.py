from django.urls import path

from hunt.classify import views

app_name = "classify"

urlpatterns = [
    path("classify/", views.classify, name="classify"),
    path("talk/subjects/<int:pk>/", views.subject_page, name="subject"),
    path("classify/mine/", views.my_classifications, name="mine"),
]
