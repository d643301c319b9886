"""Pages of the registers: /buildings/, /parks/, /enterprises/, /service-sites/."""

app_name = "buildings"

urlpatterns = []
