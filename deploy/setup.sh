#!/usr/bin/env bash
# One-time set-up of a Google Cloud project for NCC (docs/deploy.md, "First time"). Safe to read
# before running: every step is a plain gcloud command. Needs PROJECT (and see deploy/env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
[ -f deploy/env.local.sh ] && source deploy/env.local.sh
source deploy/env.sh

gcloud config set project "$PROJECT"
gcloud services enable run.googleapis.com sqladmin.googleapis.com secretmanager.googleapis.com \
  artifactregistry.googleapis.com cloudbuild.googleapis.com cloudscheduler.googleapis.com

# Images
gcloud artifacts repositories create "$REPO" --repository-format=docker --location="$REGION" \
  --description="Nexus Core Clinic images" || true

# The identity the web, worker and jobs run as: Cloud SQL client and secret reader, nothing more.
gcloud iam service-accounts create ncc-runtime --display-name="NCC runtime" || true
for role in roles/cloudsql.client roles/secretmanager.secretAccessor roles/logging.logWriter \
            roles/errorreporting.writer roles/run.invoker; do
  gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$SERVICE_ACCOUNT" \
    --role="$role" --condition=None >/dev/null
done

# PostgreSQL 16 on Cloud SQL with daily backups (kept 30 days) and point-in-time recovery (7 days).
gcloud sql instances create "$INSTANCE" --database-version=POSTGRES_16 --region="$REGION" \
  --edition=ENTERPRISE --tier=db-custom-1-3840 --storage-type=SSD --storage-size=10 \
  --storage-auto-increase --availability-type=zonal \
  --backup-start-time=15:00 --retained-backups-count=30 \
  --enable-point-in-time-recovery --retained-transaction-log-days=7 \
  --maintenance-window-day=SUN --maintenance-window-hour=16 \
  --database-flags=max_connections=100 || true
gcloud sql databases create "$DB_NAME" --instance="$INSTANCE" || true
DB_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
gcloud sql users create "$DB_USER" --instance="$INSTANCE" --password="$DB_PASSWORD" \
  || gcloud sql users set-password "$DB_USER" --instance="$INSTANCE" --password="$DB_PASSWORD"

# Secrets. The database URL goes through the Cloud SQL Unix socket that Cloud Run mounts.
new_secret() {  # name value: create the secret or add a version
  if gcloud secrets describe "$1" >/dev/null 2>&1; then
    printf '%s' "$2" | gcloud secrets versions add "$1" --data-file=-
  else
    printf '%s' "$2" | gcloud secrets create "$1" --replication-policy=automatic --data-file=-
  fi
}
socket=$(python3 -c "import urllib.parse, sys; print(urllib.parse.quote('/cloudsql/' + sys.argv[1], safe=''))" "$CONNECTION_NAME")
new_secret ncc-database-url "postgres://$DB_USER:$DB_PASSWORD@$socket/$DB_NAME"
gcloud secrets describe ncc-secret-key >/dev/null 2>&1 \
  || new_secret ncc-secret-key "$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')"
gcloud secrets describe ncc-field-encryption-key >/dev/null 2>&1 \
  || new_secret ncc-field-encryption-key "$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
gcloud secrets describe ncc-sms-callback-token >/dev/null 2>&1 \
  || new_secret ncc-sms-callback-token "$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
for name in ncc-email-password ncc-xero-client-secret ncc-smsb-password; do
  gcloud secrets describe "$name" >/dev/null 2>&1 || new_secret "$name" "set-me"
done
echo "Now set the real values: gcloud secrets versions add ncc-xero-client-secret --data-file=- (and ncc-smsb-password, ncc-email-password)."
