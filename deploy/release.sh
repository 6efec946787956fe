#!/usr/bin/env bash
# Release a new version (docs/deploy.md, "Each release"): build the image, run the migration job
# and wait for it, then move the web service and the background workers to the new image.
# Traffic moves only after the migrations succeeded and the new revision's /readyz answers.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
[ -f deploy/env.local.sh ] && source deploy/env.local.sh
source deploy/env.sh
TAG=${TAG:-$(git rev-parse --short=12 HEAD)}
IMAGE="$IMAGE_BASE:$TAG"
BACKGROUND=${BACKGROUND:-worker-pool}   # worker-pool (always on) or tick (job every minute)

echo "== build $IMAGE"
gcloud builds submit --region="$REGION" --tag "$IMAGE" .

common=(--region="$REGION" --service-account="$SERVICE_ACCOUNT"
        --set-secrets="$SECRETS" --set-env-vars="$ENV_VARS")

echo "== migrations (Cloud Run Job ncc-migrate), before any traffic moves"
gcloud run jobs deploy ncc-migrate --image="$IMAGE" --args=migrate "${common[@]}" \
  --set-cloudsql-instances="$CONNECTION_NAME" --tasks=1 --max-retries=0 --task-timeout=15m \
  --cpu=1 --memory=1Gi
gcloud run jobs execute ncc-migrate --region="$REGION" --wait

echo "== web (Cloud Run service ncc-web from deploy/web.yaml)"
# The new revision gets traffic only once its startup probe (/readyz) passes.
rendered=$(mktemp --suffix=.yaml)
trap 'rm -f "$rendered"' EXIT
export IMAGE REGION CONNECTION_NAME SERVICE_ACCOUNT DOMAIN EMAIL_HOST EMAIL_HOST_USER
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-$DOMAIN} SMSB_USERNAME=${SMSB_USERNAME:-} \
  XERO_CLIENT_ID=${XERO_CLIENT_ID:-}
python3 -c '
import os, string, sys
sys.stdout.write(string.Template(open("deploy/web.yaml").read()).substitute(os.environ))
' > "$rendered"
gcloud run services replace "$rendered" --region="$REGION"
gcloud run services add-iam-policy-binding ncc-web --region="$REGION" \
  --member=allUsers --role=roles/run.invoker >/dev/null   # the practice's staff log in over the web

if [ "$BACKGROUND" = worker-pool ]; then
  echo "== background: worker and scheduler (Cloud Run worker pool ncc-background, 1 instance)"
  gcloud beta run worker-pools deploy ncc-background --image="$IMAGE" --args=background \
    "${common[@]}" --set-cloudsql-instances="$CONNECTION_NAME" --instances=1 --cpu=1 --memory=1Gi
else
  echo "== background: Cloud Run Job ncc-tick started every minute by Cloud Scheduler"
  gcloud run jobs deploy ncc-tick --image="$IMAGE" --args=tick "${common[@]}" \
    --set-cloudsql-instances="$CONNECTION_NAME" --tasks=1 --max-retries=0 --task-timeout=10m \
    --cpu=1 --memory=1Gi
  uri="https://run.googleapis.com/v2/projects/$PROJECT/locations/$REGION/jobs/ncc-tick:run"
  gcloud scheduler jobs describe ncc-tick --location="$REGION" >/dev/null 2>&1 \
    || gcloud scheduler jobs create http ncc-tick --location="$REGION" --schedule="* * * * *" \
         --uri="$uri" --http-method=POST --oauth-service-account-email="$SERVICE_ACCOUNT"
fi
echo "== released $IMAGE"
