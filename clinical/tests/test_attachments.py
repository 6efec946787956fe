"""Photos and documents: type judged by content, size limited, thumbnails, served only to
those allowed, every read audited."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from audit.models import AuditEvent
from clinical.models import Attachment


def jpeg_bytes(size=(1200, 900)):
    out = BytesIO()
    Image.new("RGB", size, (200, 120, 90)).save(out, "JPEG")
    return out.getvalue()


def upload(client, note, name, content, content_type="image/jpeg", **extra):
    return client.post(f"/clinical/notes/{note.pk}/attachments/", {
        "file": SimpleUploadedFile(name, content, content_type=content_type),
        "description": "Left hallux", **extra})


@pytest.mark.django_db
def test_photo_is_kept_with_a_thumbnail_and_served_to_the_clinician(ben_client, signed_note,
                                                                   ben_clinician):
    response = upload(ben_client, signed_note, "IMG_0001.JPG", jpeg_bytes())
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.kind == "photo" and attachment.content_type == "image/jpeg"
    assert attachment.thumbnail and "IMG_0001" not in attachment.file.name
    with Image.open(attachment.thumbnail.open("rb")) as thumb:
        assert max(thumb.size) <= 480
    file_response = ben_client.get(f"/clinical/attachments/{attachment.pk}/")
    assert file_response.status_code == 200 and file_response["Content-Type"] == "image/jpeg"
    assert b"".join(file_response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert ben_client.get(f"/clinical/attachments/{attachment.pk}/thumbnail/").status_code == 200
    assert AuditEvent.objects.filter(object_type="clinical.attachment", action="view",
                                     actor=ben_clinician.user).count() == 2


@pytest.mark.django_db
def test_attachment_url_is_refused_anonymously_and_to_a_receptionist(ben_client, client,
                                                                     signed_note,
                                                                     mia_receptionist):
    upload(ben_client, signed_note, "wound.jpg", jpeg_bytes())
    attachment = Attachment.objects.get()
    url = f"/clinical/attachments/{attachment.pk}/"
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(mia_receptionist)
    assert client.get(url).status_code == 403
    assert client.get(url + "thumbnail/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name,content", [
    ("photo.jpg", b"MZ\x90\x00 this is a Windows program"),
    ("scan.pdf", b"<html><script>alert(1)</script></html>"),
    ("photo.png", b"\xff\xd8\xff\xe0 truncated jpeg that is not an image at all"),
])
def test_a_spoofed_file_type_is_refused(ben_client, signed_note, name, content):
    response = upload(ben_client, signed_note, name, content)
    assert response.status_code == 400
    assert not Attachment.objects.exists()
    body = response.content.decode()
    assert "not a JPEG" in body or "could not be read" in body


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused(ben_client, signed_note, settings):
    settings.CLINICAL_ATTACHMENT_MAX_BYTES = 1024
    response = upload(ben_client, signed_note, "big.jpg", jpeg_bytes())
    assert response.status_code == 400 and "the limit is" in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_pdf_is_kept_as_a_document(ben_client, signed_note):
    response = upload(ben_client, signed_note, "gp-letter.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n",
                      content_type="application/pdf")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.kind == "document" and not attachment.thumbnail
