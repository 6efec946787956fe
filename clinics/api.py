from rest_framework import serializers, viewsets

from .models import Clinic, Clinician, OpeningHours


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class ClinicSerializer(serializers.ModelSerializer):
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)

    class Meta:
        model = Clinic
        fields = ["id", "name", "short_name", "address_line", "suburb", "state", "postcode",
                  "phone", "email", "time_zone", "active", "opening_hours"]


class ClinicianSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Clinician
        fields = ["id", "user", "name", "email", "title", "profession", "provider_number", "colour",
                  "clinics", "active"]


class ClinicViewSet(viewsets.ModelViewSet):
    queryset = Clinic.objects.prefetch_related("opening_hours")
    serializer_class = ClinicSerializer
    filterset_fields = ["active", "state"]
    search_fields = ["name", "short_name", "suburb"]


class ClinicianViewSet(viewsets.ModelViewSet):
    queryset = Clinician.objects.select_related("user").prefetch_related("clinics")
    serializer_class = ClinicianSerializer
    filterset_fields = ["active", "clinics"]
    search_fields = ["user__first_name", "user__last_name", "provider_number"]
