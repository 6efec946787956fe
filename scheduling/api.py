from datetime import timedelta

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from clinics.models import Clinic, Clinician
from clinics.permissions import scope_by_clinic
from ncc.validators import sane_date_or_none
from patients.models import Patient

from . import services
from .models import Appointment, AppointmentStatus, AppointmentType
from .permissions import can_book_for, can_change_appointment
from .queries import free_slots
from .services import BookingError

MAX_AVAILABILITY_DAYS = 31


class AppointmentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppointmentType
        fields = ["id", "name", "duration_minutes", "price", "colour", "active"]


class AppointmentSerializer(serializers.ModelSerializer):
    ends_at = serializers.DateTimeField(
        required=False, help_text="Defaults to the start plus the type's duration.")
    confirm = serializers.BooleanField(
        required=False, default=False, write_only=True,
        help_text="Book even though the time is in the past, outside the clinician's working "
                  "hours or during their time off (the 400 answer says needs_confirmation).")

    class Meta:
        model = Appointment
        fields = ["id", "patient", "clinician", "clinic", "appointment_type", "starts_at",
                  "ends_at", "status", "reason", "notes", "cancellation_reason", "is_paid",
                  "confirmation_email_status", "confirmation_email_detail", "created_by",
                  "created_at", "updated_at", "confirm"]
        read_only_fields = ["id", "is_paid", "confirmation_email_status",
                            "confirmation_email_detail", "created_by", "created_at",
                            "updated_at"]

    def validate(self, attrs):
        # A new start alone is a move that keeps the length (services.update_appointment).
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at")
        if starts and ends and ends <= starts:
            raise BookingError("The end time must be after the start time.", field="ends_at",
                               code="end_before_start")
        return attrs


class RecurringSerializer(serializers.Serializer):
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
    clinician = serializers.PrimaryKeyRelatedField(queryset=Clinician.objects.all())
    clinic = serializers.PrimaryKeyRelatedField(queryset=Clinic.objects.all())
    appointment_type = serializers.PrimaryKeyRelatedField(queryset=AppointmentType.objects.all())
    starts_at = serializers.DateTimeField()
    every_weeks = serializers.IntegerField(min_value=1, max_value=52)
    times = serializers.IntegerField(min_value=1, max_value=52)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    confirm = serializers.BooleanField(required=False, default=False)


class AppointmentViewSet(viewsets.ModelViewSet):
    """Appointments. Writes go through the booking rules: an overlap, a time outside opening
    hours, an archived patient or an inactive type answer 400 with a sentence in `detail` (or
    beside the field) and a `code`. Cancel with POST .../cancel/ and a reason."""

    queryset = Appointment.objects.select_related(
        "patient", "clinician__user", "clinic", "appointment_type"
    )
    serializer_class = AppointmentSerializer
    filterset_fields = {
        "clinic": ["exact"], "clinician": ["exact"], "patient": ["exact"], "status": ["exact"],
        "starts_at": ["gte", "lt"],
    }
    ordering_fields = ["starts_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # cancel, not delete

    def get_queryset(self):
        return scope_by_clinic(super().get_queryset(), self.request.user)

    def perform_create(self, serializer):
        if not can_book_for(self.request.user, serializer.validated_data["clinician"],
                            serializer.validated_data["clinic"]):
            raise PermissionDenied("Clinicians can book only their own appointments.")
        data = dict(serializer.validated_data)
        for name in ("status", "cancellation_reason"):
            data.pop(name, None)
        serializer.instance = services.book_appointment(actor=self.request.user, **data)

    def _check_owner(self, appointment, clinician=None):
        if not can_change_appointment(self.request.user, appointment, clinician=clinician):
            raise PermissionDenied("Clinicians can change only their own appointments, and they "
                                   "stay in their own column.")

    def perform_update(self, serializer):
        appointment = serializer.instance
        self._check_owner(appointment, serializer.validated_data.get("clinician"))
        data = dict(serializer.validated_data)
        confirm = data.pop("confirm", False)
        new_status = data.pop("status", None)
        reason = data.pop("cancellation_reason", None)
        for name in ("patient", "clinic"):
            value = data.pop(name, None)
            if value is not None and value.pk != getattr(appointment, f"{name}_id"):
                raise BookingError(f"The {name} of an appointment cannot change; cancel it and "
                                   "book a new one.", field=name, code="immutable")
        if data:
            services.update_appointment(appointment, actor=self.request.user, confirm=confirm,
                                        **data)
        if new_status == AppointmentStatus.CANCELLED and not appointment.is_cancelled:
            services.cancel_appointment(appointment, actor=self.request.user, reason=reason)
        elif new_status and new_status != appointment.status:
            services.set_status(appointment, new_status, actor=self.request.user)

    @extend_schema(request=serializers.Serializer, responses=AppointmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def cancel(self, request, pk=None):
        """Cancel with {"reason": "..."}; the slot becomes free, the row stays."""
        appointment = self.get_object()
        self._check_owner(appointment)
        services.cancel_appointment(appointment, actor=request.user,
                                    reason=str(request.data.get("reason", "")))
        return Response(self.get_serializer(appointment).data)

    @extend_schema(request=RecurringSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def recurring(self, request):
        """Book every N weeks, M times; answers per occurrence whether it was booked or why not."""
        ser = RecurringSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        if not can_book_for(request.user, data["clinician"], data["clinic"]):
            raise PermissionDenied("Clinicians can book only their own appointments.")
        results = services.book_recurring(actor=request.user, **data)
        return Response({
            "booked": sum(1 for r in results if r.booked),
            "occurrences": [{
                "date": r.day.isoformat(), "starts_at": r.starts_at.isoformat(),
                "booked": r.booked, "appointment": str(r.appointment.pk) if r.booked else None,
                "code": r.code or None, "error": r.error or None,
            } for r in results],
        }, status=status.HTTP_201_CREATED if any(r.booked for r in results) else 400)

    @extend_schema(parameters=[
        OpenApiParameter("clinician", int, required=True),
        OpenApiParameter("appointment_type", int, required=True),
        OpenApiParameter("from", OpenApiTypes.DATE, required=True),
        OpenApiParameter("to", OpenApiTypes.DATE, required=False,
                         description="Inclusive; defaults to `from`; at most 31 days."),
        OpenApiParameter("clinic", int, required=False),
    ], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def availability(self, request):
        """Free start times for a clinician and appointment type over a date range."""
        q = request.query_params
        errors = {}
        clinician = Clinician.objects.filter(pk=q.get("clinician") or 0, active=True).first() \
            if str(q.get("clinician", "")).isdigit() else None
        if clinician is None:
            errors["clinician"] = ["Give the id of an active clinician."]
        appt_type = AppointmentType.objects.filter(pk=q.get("appointment_type")).first() \
            if str(q.get("appointment_type", "")).isdigit() else None
        if appt_type is None:
            errors["appointment_type"] = ["Give the id of an appointment type."]
        elif not appt_type.active:
            errors["appointment_type"] = [f"The appointment type “{appt_type.name}” is no "
                                          "longer offered."]
        start = sane_date_or_none(q.get("from"))
        if start is None:
            errors["from"] = ["Give the first day as YYYY-MM-DD, between 1900 and 2100."]
        end = sane_date_or_none(q["to"]) if q.get("to") else start
        if q.get("to") and end is None:
            errors["to"] = ["Give the last day as YYYY-MM-DD, between 1900 and 2100."]
        if start and end:
            if end < start:
                errors["to"] = ["The last day must not be before the first."]
            elif end - start > timedelta(days=MAX_AVAILABILITY_DAYS - 1):
                errors["to"] = [f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time."]
        clinic = None
        if q.get("clinic"):
            clinic = Clinic.objects.filter(pk=q["clinic"]).first() if q["clinic"].isdigit() \
                else None
            if clinic is None or (clinician and not clinician.clinics.filter(pk=clinic.pk)
                                  .exists()):
                errors["clinic"] = ["The clinician does not work at that clinic."]
        if errors:
            return Response(errors, status=400)
        slots = free_slots(clinician, appt_type, start, end, clinic=clinic)
        return Response({
            "clinician": clinician.pk, "appointment_type": appt_type.pk,
            "duration_minutes": appt_type.duration_minutes,
            "slots": [{"clinic": s["clinic"], "starts_at": s["starts_at"].isoformat(),
                       "ends_at": s["ends_at"].isoformat()} for s in slots],
        })


class AppointmentTypeViewSet(viewsets.ModelViewSet):
    queryset = AppointmentType.objects.all()
    serializer_class = AppointmentTypeSerializer
    filterset_fields = ["active"]
    search_fields = ["name"]
