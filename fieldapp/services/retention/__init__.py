"""Retention with legal hold: which fixes and media a finding still rests on (`holds`), the
purge of everything else past its retention (`purge`), and the purge log (`purge_log`)."""
