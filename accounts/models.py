from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.db import models
from django.utils import timezone

from .roles import ADMIN, CLINICIAN, RECEPTIONIST, ROLE_CHOICES


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("Staff users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("role", ADMIN)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of staff. Logs in with an email address; the role decides what they may use."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80, blank=True)
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default=RECEPTIONIST)
    home_clinic = models.ForeignKey(
        "clinics.Clinic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The clinic the appointment book opens on.",
    )
    clinics = models.ManyToManyField(
        "clinics.Clinic", blank=True, related_name="staff",
        help_text="The clinics this person works at: they see and book only these (other "
                  "clinics' records answer 'not found'). None chosen: every clinic. Admins always "
                  "see every clinic.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log into Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name"]

    class Meta:
        ordering = ["first_name", "last_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[ADMIN, CLINICIAN, RECEPTIONIST]),
                name="user_role_valid",
            ),
            models.UniqueConstraint(models.functions.Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name

    @property
    def is_admin(self):
        return self.role == ADMIN or self.is_superuser

    @property
    def is_clinician(self):
        return self.role == CLINICIAN

    @property
    def is_receptionist(self):
        return self.role == RECEPTIONIST

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        if self.role == ADMIN:
            self.is_staff = True
        super().save(*args, **kwargs)
        # The role is the user's only role Group: permissions follow the role.
        role_groups = Group.objects.filter(name__in=[r for r, _ in ROLE_CHOICES])
        self.groups.remove(*role_groups.exclude(name=self.role))
        group = role_groups.filter(name=self.role).first()
        if group is not None:
            self.groups.add(group)
