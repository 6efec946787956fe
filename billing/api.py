"""REST API for invoices and payments. Every write goes through billing.services, so the API obeys
the same rules as the pages; a refused write answers 400 with a sentence and a code."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from . import services
from .models import Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentMethod
from .permissions import visible_invoices


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["id", "position", "appointment", "description", "quantity", "unit_amount",
                  "line_amount", "gst", "account_code", "item_code", "tax_type",
                  "tracking_category", "tracking_option"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "invoice", "date", "amount", "method", "reference", "recorded_by",
                  "created_at"]
        read_only_fields = ["id", "recorded_by", "created_at"]
        extra_kwargs = {"date": {"required": False}, "reference": {"required": False}}


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "patient", "clinic", "issue_date", "due_date", "status",
                  "line_amount_type", "subtotal", "gst", "total", "amount_paid", "amount_due",
                  "paid_on", "voided_at", "void_reason", "lines", "payments", "created_by",
                  "created_at", "updated_at"]
        read_only_fields = fields


class CreateInvoiceSerializer(serializers.Serializer):
    appointment = serializers.UUIDField()
    confirm = serializers.BooleanField(default=False, help_text="Required to invoice a "
                                       "cancelled or no-show appointment (a fee).")
    status = serializers.ChoiceField(choices=[InvoiceStatus.DRAFT, InvoiceStatus.AWAITING_PAYMENT],
                                     required=False)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = (Invoice.objects.select_related("patient", "clinic")
                .prefetch_related("lines", Prefetch("payments")).order_by("-issue_date",
                                                                          "-number"))
    serializer_class = InvoiceSerializer
    filterset_fields = {"status": ["exact"], "clinic": ["exact"], "patient": ["exact"],
                        "issue_date": ["gte", "lte"]}
    search_fields = ["number"]
    ordering_fields = ["issue_date", "number", "amount_due"]

    def get_queryset(self):
        return super().get_queryset().filter(pk__in=visible_invoices(self.request.user))

    @extend_schema(request=CreateInvoiceSerializer, responses={201: InvoiceSerializer})
    def create(self, request):
        """Invoice one appointment (lines from its type's mapping)."""
        data = CreateInvoiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = services.create_invoice_for_appointment(
            data.validated_data["appointment"], actor=request.user,
            confirm=data.validated_data["confirm"], status=data.validated_data.get("status"))
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)

    def _require(self, request, perm):
        if not request.user.has_perm(perm):
            raise PermissionDenied("You may not change invoices.")

    @extend_schema(request=None, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        self._require(request, "billing.change_invoice")
        invoice = services.approve_invoice(self.get_object().pk, actor=request.user)
        return Response(InvoiceSerializer(invoice).data)

    @extend_schema(request=VoidSerializer, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        self._require(request, "billing.void_invoice")
        data = VoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = services.void_invoice(self.get_object().pk, actor=request.user,
                                        reason=data.validated_data.get("reason", ""))
        return Response(InvoiceSerializer(invoice).data)


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    queryset = Payment.objects.select_related("invoice").order_by("-date", "-created_at")
    serializer_class = PaymentSerializer
    filterset_fields = {"invoice": ["exact"], "method": ["exact"], "date": ["gte", "lte"]}

    def get_queryset(self):
        return super().get_queryset().filter(invoice__in=visible_invoices(self.request.user))

    def create(self, request, *args, **kwargs):
        """Record a payment against an approved invoice; more than the amount due is refused."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = services.record_payment(
            data["invoice"].pk, amount=data["amount"], method=data["method"],
            paid_on=data.get("date"), reference=data.get("reference", ""), actor=request.user)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


__all__ = ["InvoiceViewSet", "PaymentViewSet", "PaymentMethod"]
