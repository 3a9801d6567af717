from django.urls import path

from hunt.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("science/evaluation/", views.dashboard, name="dashboard"),
    path("science/evaluation/<int:pk>/", views.run_detail, name="run"),
    path("science/evaluation/<int:pk>/plots/<slug:name>.<slug:fmt>", views.plot, name="plot"),
    path(
        "science/evaluation/<int:pk>/data/<slug:what>.<slug:fmt>",
        views.download,
        name="download",
    ),
]
