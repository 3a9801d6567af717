from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from hunt.catalogues.models import CatalogueEntry, CatalogueMatch, ReferenceCatalogue
from hunt.catalogues.services import catalogue_crossmatch


@admin.register(ReferenceCatalogue)
class ReferenceCatalogueAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "preset", "row_count", "match_radius_arcsec", "created_at")
    readonly_fields = ("file_name", "file_sha256", "column_mapping", "row_count", "created_at")
    actions = ("rematch",)

    @admin.action(description="Re-run the cross-match with each catalogue's stored radius")
    def rematch(self, request: HttpRequest, queryset: QuerySet[ReferenceCatalogue]) -> None:
        for catalogue in queryset:
            matched = catalogue_crossmatch(catalogue=catalogue)
            self.message_user(
                request, f"{catalogue}: {matched} subject(s) matched.", messages.SUCCESS
            )


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(admin.ModelAdmin):
    list_display = ("source_id", "catalogue", "ra", "dec", "redshift", "cluster_class")
    list_filter = ("catalogue", "cluster_class")
    search_fields = ("source_id", "name")


@admin.register(CatalogueMatch)
class CatalogueMatchAdmin(admin.ModelAdmin):
    list_display = ("subject", "entry", "method", "separation_arcsec", "radius_arcsec")
    list_filter = ("catalogue", "method")
    raw_id_fields = ("subject", "entry")
