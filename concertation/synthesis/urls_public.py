from django.urls import path

from concertation.synthesis import views_public

app_name = "synthesis"
urlpatterns = [
    path("syntheses/", views_public.index, name="index"),
    path("syntheses/<slug:slug>/", views_public.detail, name="detail"),
    path("syntheses/<slug:slug>/documents/<slug:kind>/", views_public.download,
         name="download"),
]
