# Settings shared by deploy/setup.sh and deploy/release.sh. Copy to deploy/env.local.sh (not
# committed) and edit, or export the variables before running the scripts.
# shellcheck shell=bash disable=SC2034
: "${PROJECT:?set PROJECT to the Google Cloud project id}"
REGION=${REGION:-australia-southeast1}            # Sydney: patient records stay in Australia
INSTANCE=${INSTANCE:-ncc-db}                      # Cloud SQL instance
DB_NAME=${DB_NAME:-ncc}
DB_USER=${DB_USER:-ncc}
REPO=${REPO:-ncc}                                 # Artifact Registry repository
SERVICE_ACCOUNT=${SERVICE_ACCOUNT:-ncc-runtime@$PROJECT.iam.gserviceaccount.com}
DOMAIN=${DOMAIN:-clinic.walkeasy.com.au}
EMAIL_HOST=${EMAIL_HOST:-smtp.example.com}
EMAIL_HOST_USER=${EMAIL_HOST_USER:-}
CONNECTION_NAME="$PROJECT:$REGION:$INSTANCE"
IMAGE_BASE="$REGION-docker.pkg.dev/$PROJECT/$REPO/ncc"

# Secret Manager secrets, mounted as environment variables in every process.
SECRETS="SECRET_KEY=ncc-secret-key:latest,DATABASE_URL=ncc-database-url:latest"
SECRETS+=",FIELD_ENCRYPTION_KEY=ncc-field-encryption-key:latest"
SECRETS+=",EMAIL_HOST_PASSWORD=ncc-email-password:latest"
SECRETS+=",XERO_CLIENT_SECRET=ncc-xero-client-secret:latest"
SECRETS+=",SMSB_PASSWORD=ncc-smsb-password:latest,SMS_CALLBACK_TOKEN=ncc-sms-callback-token:latest"

# Plain settings (docs/deploy.md lists them all; .env.example explains each).
ENV_VARS="DEBUG=false,SITE_URL=https://$DOMAIN,ALLOWED_HOSTS=$DOMAIN"
ENV_VARS+=",EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend,EMAIL_HOST=$EMAIL_HOST"
ENV_VARS+=",EMAIL_HOST_USER=$EMAIL_HOST_USER,SMS_PROVIDER=smsbroadcast"
ENV_VARS+=",XERO_CLIENT_ID=${XERO_CLIENT_ID:-},SMSB_USERNAME=${SMSB_USERNAME:-}"
ENV_VARS+=",XERO_REDIRECT_URI=https://$DOMAIN/xero/callback/"
