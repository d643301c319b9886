app_name = "regional"

urlpatterns = []
