"""The evidence keys a framework item may name: what Socle can measure by itself.

A key is a stable name the HN / CaRE tracker maps to a collector in another plane
(``network.*`` from the network plane, ``hosting.*`` from the hosting plane, ``apps.*``
from the apps plane, ``ssi.*`` from the SSI plane's own technical checks). Files may
only name keys listed here, so a typo fails at start instead of leaving an indicator
silently without evidence. Adding a key means adding its collector: a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

EVIDENCE_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "network.availability": "Disponibilité mesurée des liens réseau de l'établissement "
        "(moteur SLA du plan réseau).",
        "apps.availability": "Disponibilité mesurée, sur le dernier mois complet, des services "
        "régionaux auxquels l'établissement est inscrit (contrôles de santé du plan "
        "applications), jugée contre la cible de chaque service au catalogue.",
        "hosting.dr_plan": "PRA enregistré pour les services hébergés de l'établissement.",
        "hosting.dr_exercise": "Date et résultat du dernier exercice de reprise (PRA).",
        "hosting.backup_policy": "Politique de sauvegarde définie pour les systèmes hébergés.",
        "hosting.restore_test": "Date du dernier test de restauration réussi.",
        "hosting.immutable_copy": "Copie de sauvegarde immuable (verrouillage objet) ou hors "
        "site présente.",
        "hosting.backup_supervision": "Supervision des sauvegardes en place (alerte sur échec).",
        "hosting.hds_certificate": "Certificat HDS de l'hébergeur : activités couvertes, "
        "échéance, organisme certificateur.",
        "hosting.data_location": "Pays où l'hébergeur stocke les données (dans l'EEE ou non).",
        "ssi.internet_exposure": "Contrôles techniques des points d'accès exposés déclarés "
        "(ports, versions TLS et certificats, réglages SSH) : tous réussis au dernier passage.",
    }
)
