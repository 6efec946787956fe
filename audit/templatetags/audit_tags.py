from django import template

from audit.queries import patient_access_history as _history

register = template.Library()


@register.simple_tag
def patient_access_history(patient, limit=20):
    return list(_history(patient, limit))
