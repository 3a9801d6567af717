from django.contrib import admin

from hunt.accounts.models import Volunteer


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "created_at")
    search_fields = ("user__username", "anonymous_key")
    readonly_fields = ("anonymous_key", "created_at")
    list_select_related = ("user",)
