from django.contrib import admin

from hunt.core.models import WorkerPing


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "queue", "worker_hostname", "worker_pid", "created_at")
    list_filter = ("status", "queue")
    readonly_fields = [f.name for f in WorkerPing._meta.fields]
