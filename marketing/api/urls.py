from django.urls import URLPattern, URLResolver

S = "api/v1/cs-marketing"

urlpatterns: list[URLPattern | URLResolver] = []
