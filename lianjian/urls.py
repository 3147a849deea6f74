from django.urls import include, path

from lianjian.api import api

urlpatterns = [
    path("", include("lianjian.home.urls")),
    path("", include("lianjian.core.urls")),
    path("accounts/", include("lianjian.accounts.urls")),
    path("orgs/", include("lianjian.orgs.urls")),
    path("alliances/", include("lianjian.alliances.urls")),
    path("activities/", include("lianjian.activities.urls")),
    path("appraisals/", include("lianjian.appraisals.urls")),
    path("assessment/", include("lianjian.assessment.urls")),
    path("consultations/", include("lianjian.consultations.urls")),
    path("keytasks/", include("lianjian.keytasks.urls")),
    path("carriers/", include("lianjian.carriers.urls")),
    path("projects/", include("lianjian.projects.urls")),
    path("points/", include("lianjian.points.urls")),
    path("sharing/", include("lianjian.sharing.urls")),
    path("grouping/", include("lianjian.proposals.urls")),
    path("inbox/", include("lianjian.notifications.urls")),
    path("deadlines/", include("lianjian.deadlines.urls")),
    path("decisions/", include("lianjian.decisions.urls")),
    path("supervision/", include("lianjian.supervision.urls")),
    path("api/v1/", api.urls),
]

handler400 = "lianjian.core.views.bad_request"
handler403 = "lianjian.core.views.forbidden"
handler404 = "lianjian.core.views.not_found"
handler500 = "lianjian.core.views.server_error"
