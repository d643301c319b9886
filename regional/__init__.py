"""Regional Party building (区域化党建): joint meetings, resident units, the three lists,
pairings and industry committees."""
