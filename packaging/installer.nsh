; Explorer's "Send to" → DriveUp: the selected files are passed as arguments and queued to the
; default folder (a second launch hands them to the running app).
!macro customInstall
  CreateShortCut "$SENDTO\DriveUp.lnk" "$INSTDIR\${APP_EXECUTABLE_FILENAME}"
!macroend

!macro customUnInstall
  Delete "$SENDTO\DriveUp.lnk"
!macroend
