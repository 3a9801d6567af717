from django.contrib import admin

from hunt.collect.models import Collection, CollectionItem


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    extra = 0
    raw_id_fields = ("subject",)
    readonly_fields = ("added_at",)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "is_public", "is_favourites", "updated_at")
    list_filter = ("is_public", "is_favourites")
    search_fields = ("title", "owner__user__username", "key")
    readonly_fields = ("key", "is_favourites", "created_at", "updated_at")
    raw_id_fields = ("owner",)
    list_select_related = ("owner__user",)
    inlines = (CollectionItemInline,)
