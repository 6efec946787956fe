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

echo "== web (Cloud Run service ncc-web)"
gcloud run deploy ncc-web --image="$IMAGE" --args=web "${common[@]}" \
  --add-cloudsql-instances="$CONNECTION_NAME" --allow-unauthenticated --port=8080 \
  --cpu=1 --memory=1Gi --concurrency=8 --min-instances=1 --max-instances=4 --timeout=300 \
  --cpu-boost --execution-environment=gen2 \
  --update-env-vars=WEB_CONCURRENCY=2,GUNICORN_THREADS=4 \
  --startup-probe=httpGet.path=/readyz,httpGet.port=8080,periodSeconds=5,timeoutSeconds=3,failureThreshold=24 \
  --liveness-probe=httpGet.path=/healthz,httpGet.port=8080,periodSeconds=30,timeoutSeconds=3,failureThreshold=3

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
