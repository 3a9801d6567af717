from django import forms

from hunt.collect.models import Collection


class CollectionForm(forms.Form):
    title = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: what ties these subjects together.",
    )
    is_public = forms.BooleanField(
        required=False,
        label="Public",
        help_text="Anyone with the link can see a public collection, and it is listed on the Collect "
        "page. A private one is seen by you only.",
    )

    @classmethod
    def for_collection(cls, collection: Collection) -> "CollectionForm":
        return cls(
            initial={
                "title": collection.title,
                "description": collection.description,
                "is_public": collection.is_public,
            }
        )
