from celery import shared_task


@shared_task(name="data_export.build")
def build_export(export_id: int) -> str:
    """Build one organization archive and mail its link (services.export_build)."""
    from alignment_portal.data_export.services import export_build

    export = export_build(export_id=export_id)
    return export.status if export else "already claimed"


@shared_task(name="data_export.purge_expired")
def purge_expired() -> int:
    """Daily: delete the archives whose link expired."""
    from alignment_portal.data_export.services import exports_purge

    return exports_purge()
