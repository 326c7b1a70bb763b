import factory

from product.models import Feature


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    feature_id = factory.Sequence(lambda n: f"feat_{n}")
    name = factory.Sequence(lambda n: f"Feature {n}")
    is_key = True
